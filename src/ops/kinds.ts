/** The activations and losses the ops implement, by name (the run config offers exactly these). */
export const ACTIVATIONS = ["relu", "square", "tanh", "gelu"] as const;
export type Activation = (typeof ACTIVATIONS)[number];
export const LOSSES = ["cross-entropy", "mse"] as const;
export type Loss = (typeof LOSSES)[number];
