/** The source of a tiny TWOSOME experiment on Tomato Salad (one iteration; see twosome-experiment.mjs). */
export function tinyTwosomeExperiment(name: string, seed?: number): string;
