/** A vim25 managed object reference, e.g. `{ type: 'VirtualMachine', value: 'vm-1234' }`. */
export interface ManagedObjectReference {
  readonly type: string;
  readonly value: string;
}

export function vmRef(value: string): ManagedObjectReference {
  return { type: 'VirtualMachine', value };
}

export function describeRef(ref: ManagedObjectReference): string {
  return `${ref.type}:${ref.value}`;
}
