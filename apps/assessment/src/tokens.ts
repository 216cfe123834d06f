/** The core's injection tokens, under the names the controllers import. */
export { EXECUTION_QUEUE, FLOTILLA_CONFIG, FLOTILLA_DATABASE, FLOTILLA_METRICS } from '#libs/core';
