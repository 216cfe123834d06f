import type { ManagedObjectReference } from './managed-object.js';
import {
  childNamed,
  childrenNamed,
  childText,
  readLocalizedFault,
  readRef,
  toVimValue,
  type VimFault,
  type VimValue,
  type XmlNode,
} from './soap-response.js';

/** One node of a VM's `snapshot.rootSnapshotList` (a `VirtualMachineSnapshotTree`). */
export interface VmSnapshotTree {
  readonly snapshot: ManagedObjectReference;
  readonly name: string;
  readonly description: string;
  /** Unique within the VM, increasing with each snapshot taken. */
  readonly id?: number;
  readonly createTime?: string;
  /** The power state the snapshot captured. */
  readonly state?: string;
  readonly quiesced?: boolean;
  readonly children: readonly VmSnapshotTree[];
}

export type TaskState = 'queued' | 'running' | 'success' | 'error';

/** The parts of a vim `TaskInfo` that tell which task it is and where it stands. */
export interface TaskInfo {
  readonly task: ManagedObjectReference;
  /** The method, e.g. `CreateSnapshot_Task` (vcsim: `CreateSnapshot`). */
  readonly name?: string;
  /** e.g. `VirtualMachine.createSnapshot`, `VirtualMachineSnapshot.remove`. */
  readonly descriptionId?: string;
  readonly entity?: ManagedObjectReference;
  readonly state: TaskState;
  readonly result?: VimValue;
  readonly error?: VimFault;
  readonly queueTime?: string;
  readonly startTime?: string;
  readonly completeTime?: string;
  /** Percent done while running, when the server reports it. */
  readonly progress?: number;
}

function readSnapshotTree(node: XmlNode): VmSnapshotTree | undefined {
  const snapshot = readRef(childNamed(node, 'snapshot'));
  if (!snapshot) return undefined;
  const id = childText(node, 'id');
  const quiesced = childText(node, 'quiesced');
  const tree: { -readonly [K in keyof VmSnapshotTree]: VmSnapshotTree[K] } = {
    snapshot,
    name: childText(node, 'name') ?? '',
    description: childText(node, 'description') ?? '',
    children: readSnapshotTrees(childrenNamed(node, 'childSnapshotList')),
  };
  if (id !== undefined && id.trim() !== '') tree.id = Number(id);
  const createTime = childText(node, 'createTime');
  if (createTime !== undefined) tree.createTime = createTime;
  const state = childText(node, 'state');
  if (state !== undefined) tree.state = state;
  if (quiesced !== undefined) tree.quiesced = quiesced === 'true';
  return tree;
}

/**
 * `VirtualMachineSnapshotTree` elements: the children of an `ArrayOfVirtualMachineSnapshotTree`
 * value, or a tree's repeated `childSnapshotList` elements.
 */
export function readSnapshotTrees(nodes: readonly XmlNode[]): VmSnapshotTree[] {
  return nodes.map(readSnapshotTree).filter((tree): tree is VmSnapshotTree => tree !== undefined);
}

/** Every snapshot of a tree, parents before their children. */
export function flattenSnapshotTrees(trees: readonly VmSnapshotTree[]): VmSnapshotTree[] {
  return trees.flatMap((tree) => [tree, ...flattenSnapshotTrees(tree.children)]);
}

const TASK_STATES = new Set<string>(['queued', 'running', 'success', 'error']);

/** Decodes a `TaskInfo` (a Task's `info` property). */
export function readTaskInfo(task: ManagedObjectReference, info: XmlNode): TaskInfo {
  const state = childText(info, 'state') ?? '';
  const decoded: { -readonly [K in keyof TaskInfo]: TaskInfo[K] } = {
    task,
    // An unknown state is reported as running: the caller polls again rather than trusting it.
    state: TASK_STATES.has(state) ? (state as TaskState) : 'running',
  };
  const name = childText(info, 'name');
  if (name !== undefined) decoded.name = name;
  const descriptionId = childText(info, 'descriptionId');
  if (descriptionId !== undefined) decoded.descriptionId = descriptionId;
  const entity = readRef(childNamed(info, 'entity'));
  if (entity) decoded.entity = entity;
  const result = childNamed(info, 'result');
  if (result) decoded.result = toVimValue(result);
  const error = childNamed(info, 'error');
  if (error) decoded.error = readLocalizedFault(error);
  for (const field of ['queueTime', 'startTime', 'completeTime'] as const) {
    const value = childText(info, field);
    if (value !== undefined) decoded[field] = value;
  }
  const progress = childText(info, 'progress');
  if (progress !== undefined && progress.trim() !== '') decoded.progress = Number(progress);
  return decoded;
}

/** vim's change ID: the disk's CBT UUID and a sequence number, e.g. `52 de … 63/81`. */
export const CHANGE_ID_PATTERN = /^([0-9a-fA-F]{2}\s?)*-([0-9a-fA-F]{2}\s?)*\/([0-9a-fA-F]*)$/;

/**
 * The base VMDK of a disk in a snapshot chain: ESXi names the delta of each snapshot
 * `<base>-000001.vmdk`, `-000002`…; Forklift and CDI address the disk by its base file.
 */
export function baseVmdk(fileName: string): string {
  return fileName.replace(/-\d{6}\.vmdk$/, '.vmdk');
}
