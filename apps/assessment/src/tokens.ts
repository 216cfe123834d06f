/** Injection tokens for values that are not classes. */
export const FLOTILLA_CONFIG = Symbol('FLOTILLA_CONFIG');
export const FLOTILLA_DATABASE = Symbol('FLOTILLA_DATABASE');
