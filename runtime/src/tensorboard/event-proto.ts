/**
 * The part of TensorBoard's event protocol RL Studio writes, as a protobufjs JSON descriptor: the
 * messages and field numbers below are copied from the .proto files (only the fields we use; a
 * reader skips what it does not know, and we never read back anything else):
 *
 *   Event             tensorflow/core/util/event.proto (= tensorboard/compat/proto/event.proto):
 *                     wall_time = 1 (double), step = 2 (int64), oneof what { file_version = 3
 *                     (string), summary = 5 (Summary) }
 *   Summary           tensorflow/core/framework/summary.proto: repeated Value value = 1
 *   Summary.Value     tag = 1 (string), metadata = 9 (SummaryMetadata), oneof value {
 *                     simple_value = 2 (float), tensor = 8 (TensorProto) }
 *   SummaryMetadata   plugin_data = 1 (PluginData { plugin_name = 1 (string), content = 2 (bytes) })
 *   TensorProto       tensorflow/core/framework/tensor.proto: dtype = 1 (DataType enum, DT_STRING = 7
 *                     in types.proto), tensor_shape = 2, string_val = 8 (repeated bytes)
 *   TensorShapeProto  tensorflow/core/framework/tensor_shape.proto: repeated Dim dim = 2
 *                     (Dim { size = 1 (int64) })
 *
 * A scalar is what PyTorch's and tensorboardX's `add_scalar` write (CleanRL's `writer.add_scalar`):
 * one Summary.Value with `simple_value`, a float32. Text is what their `add_text` writes: tag
 * `<tag>/text_summary`, plugin "text" (its TextPluginData{version: 0} serialises to no bytes), a
 * DT_STRING tensor of shape [1] holding the UTF-8 text.
 */
import * as protobuf from "protobufjs/light";

/** The first record of every events file: TF 2 / PyTorch / tensorboardX's `file_version`. */
export const FILE_VERSION = "brain.Event:2";

/** TensorFlow's DataType enum value for strings (tensorflow/core/framework/types.proto). */
export const DT_STRING = 7;

const descriptor = {
  nested: {
    tensorboard: {
      nested: {
        Event: {
          oneofs: { what: { oneof: ["fileVersion", "summary"] } },
          fields: {
            wallTime: { type: "double", id: 1 },
            step: { type: "int64", id: 2 },
            fileVersion: { type: "string", id: 3 },
            summary: { type: "Summary", id: 5 },
          },
        },
        Summary: {
          fields: { value: { rule: "repeated", type: "Value", id: 1 } },
          nested: {
            Value: {
              oneofs: { value: { oneof: ["simpleValue", "tensor"] } },
              fields: {
                tag: { type: "string", id: 1 },
                simpleValue: { type: "float", id: 2 },
                tensor: { type: "TensorProto", id: 8 },
                metadata: { type: "SummaryMetadata", id: 9 },
              },
            },
          },
        },
        SummaryMetadata: {
          fields: { pluginData: { type: "PluginData", id: 1 } },
          nested: {
            PluginData: {
              fields: {
                pluginName: { type: "string", id: 1 },
                content: { type: "bytes", id: 2 },
              },
            },
          },
        },
        TensorProto: {
          fields: {
            dtype: { type: "int32", id: 1 },
            tensorShape: { type: "TensorShapeProto", id: 2 },
            stringVal: { rule: "repeated", type: "bytes", id: 8 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: "repeated", type: "Dim", id: 2 } },
          nested: { Dim: { fields: { size: { type: "int64", id: 1 } } } },
        },
      },
    },
  },
};

let eventType: protobuf.Type | undefined;

/** The Event message type (built once from the descriptor). */
export function eventMessage(): protobuf.Type {
  eventType ??= protobuf.Root.fromJSON(descriptor).lookupType("tensorboard.Event");
  return eventType;
}

/** An Event as RL Studio writes and reads it (protobufjs' camelCase field names). */
export interface TbEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  summary?: { value: TbValue[] };
}

export interface TbValue {
  tag: string;
  simpleValue?: number;
  tensor?: { dtype: number; tensorShape: { dim: { size: number }[] }; stringVal: Uint8Array[] };
  metadata?: { pluginData: { pluginName: string; content?: Uint8Array } };
}

export function encodeEvent(event: TbEvent): Uint8Array {
  const type = eventMessage();
  return type.encode(type.fromObject(event)).finish();
}

/** Decode one record's payload; int64 fields come back as numbers (steps are far below 2^53). */
export function decodeEvent(payload: Uint8Array): TbEvent {
  const type = eventMessage();
  // arrays: a Summary with no value decodes to `value: []` (as written), not to a missing field.
  return type.toObject(type.decode(payload), { longs: Number, bytes: Uint8Array as unknown as typeof String, defaults: false, arrays: true }) as TbEvent;
}

/** A scalars event: one Summary.Value with simple_value per metric (float32: ~7 significant digits). */
export function scalarsEvent(step: number, wallTime: number, scalars: Record<string, number>): TbEvent {
  return {
    wallTime,
    step,
    summary: { value: Object.entries(scalars).map(([tag, simpleValue]) => ({ tag, simpleValue })) },
  };
}

/** A text event as `add_text(tag, text, step)` writes it (tag gets `/text_summary`). */
export function textEvent(tag: string, text: string, step: number, wallTime: number): TbEvent {
  return {
    wallTime,
    step,
    summary: {
      value: [
        {
          tag: `${tag}/text_summary`,
          metadata: { pluginData: { pluginName: "text" } },
          tensor: { dtype: DT_STRING, tensorShape: { dim: [{ size: 1 }] }, stringVal: [Buffer.from(text, "utf8")] },
        },
      ],
    },
  };
}
