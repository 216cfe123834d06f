export { DNS1123_LABEL_MAX, isDns1123Label, toDns1123Label } from './naming.js';
