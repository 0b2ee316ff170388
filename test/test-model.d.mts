/** Types of test-model.mjs (the lookup shared by the TypeScript and .mjs suites). */
export declare const TEST_MODEL: string;
export declare const IN_CI: boolean;
export declare function missingTestModel(): string | null;
export declare function requireTestModel(t: { skip(message?: string): void }): string | null;
