export type * from './model.js';
export { summarizeInventory } from './summary.js';
