// Generated from the API's /openapi.json by `npm run console:api`; do not edit by hand.
/* eslint-disable */

export type Schemas = {};

export interface Operations {
  'GET /assessments/{id}': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'GET /assessments/{id}/vms': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'GET /assessments/{id}/vms/{vmKey}': {
    path: {
      id: string;
      vmKey: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'PUT /assessments/{id}/vms/{vmKey}/override': {
    path: {
      id: string;
      vmKey: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'GET /audit': {
    path: never;
    query: never;
    body: never;
    response: unknown;
  };
  'GET /executions/{id}': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'POST /executions/{id}/cancel': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'GET /executions/{id}/events': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'POST /executions/{id}/retry': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'GET /executions/{id}/stream': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'GET /healthz': {
    path: never;
    query: never;
    body: never;
    response: unknown;
  };
  'GET /inventories': {
    path: never;
    query: never;
    body: never;
    response: unknown;
  };
  'POST /inventories': {
    path: never;
    query: never;
    body: {
      file: Blob;
      name?: string;
    };
    response: unknown;
  };
  'GET /inventories/{id}': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'DELETE /inventories/{id}': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: void;
  };
  'GET /inventories/{id}/assessments': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'POST /inventories/{id}/assessments': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'GET /inventories/{id}/vms': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'GET /inventories/{id}/vms/{vmId}': {
    path: {
      id: string;
      vmId: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'GET /plans': {
    path: never;
    query: never;
    body: never;
    response: unknown;
  };
  'POST /plans': {
    path: never;
    query: never;
    body: never;
    response: unknown;
  };
  'GET /plans/{id}': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'DELETE /plans/{id}': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: void;
  };
  'GET /plans/{id}/{table}.{format}': {
    path: {
      id: string;
      table: string;
      format: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'POST /plans/{id}/edits': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'GET /plans/{id}/groups': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'POST /plans/{id}/import-edits': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'GET /plans/{id}/maps': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'PUT /plans/{id}/maps': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'POST /plans/{id}/replan': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'GET /plans/{id}/report.xlsx': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'GET /plans/{id}/settings': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'PUT /plans/{id}/settings': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'GET /plans/{id}/waves': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'POST /plans/{id}/waves': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'GET /plans/{id}/waves/{number}': {
    path: {
      id: string;
      number: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'POST /plans/{id}/waves/{number}/approve': {
    path: {
      id: string;
      number: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'POST /plans/{id}/waves/{number}/execute': {
    path: {
      id: string;
      number: string;
    };
    query: never;
    body: never;
    response: unknown;
  };
  'GET /policies': {
    path: never;
    query: never;
    body: never;
    response: unknown;
  };
  'PUT /policies': {
    path: never;
    query: never;
    body: never;
    response: unknown;
  };
  'GET /readyz': {
    path: never;
    query: never;
    body: never;
    response: unknown;
  };
  'GET /tokens': {
    path: never;
    query: never;
    body: never;
    response: unknown;
  };
  'POST /tokens': {
    path: never;
    query: never;
    body: never;
    response: unknown;
  };
  'DELETE /tokens/{id}': {
    path: {
      id: string;
    };
    query: never;
    body: never;
    response: void;
  };
  'GET /whoami': {
    path: never;
    query: never;
    body: never;
    response: unknown;
  };
}
