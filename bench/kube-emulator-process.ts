/**
 * The Kubernetes emulator in a process of its own, so the benchmark's CPU figure is the
 * executor's alone. Started by `execute.bench.ts` with its options as JSON in argv[2]; answers
 * `now` (simulated epoch ms), `imports` (active imports per host), `throughput` (per host: when
 * its imports ran and filled it, see CdiImporter.hostThroughput), `lags` (its event-loop stalls)
 * and `speed` (sets the
 * simulated clock's speed), stops on `stop`.
 */
import { ANNOTATION_VM_KEY } from '#libs/kubevirt';
// The emulator reads the upstream schemas from ../shared/schemas (test/support/shared-files.ts).
import { startKubeEmulator } from '../test/k8s-emulator/index.js';
import { watchEventLoopStalls } from './event-loop-stalls.js';

interface ChildOptions {
  speed: number;
  namespace: string;
  bytesPerSecond: number;
  hostBytesPerSecond: number;
  progressIntervalMs: number;
  hostOfVm: Record<string, string>;
  /** Guest conversion pod name -> how long virt-v2v runs in it (simulated ms). */
  conversionMsByPod: Record<string, number>;
}

type Request = {
  id: number;
  type: 'now' | 'imports' | 'throughput' | 'lags' | 'stop' | 'speed';
  value?: number;
};

const lags = watchEventLoopStalls();

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const hostOfVm = new Map(Object.entries(options.hostOfVm));
const conversionMs = new Map(Object.entries(options.conversionMsByPod ?? {}));
const emulator = await startKubeEmulator({
  namespaces: ['default', options.namespace, 'cdi'],
  clock: { speed: options.speed },
  watchHistory: 500_000,
  warmSchemas: true,
  cdi: {
    bytesPerSecond: options.bytesPerSecond,
    hostBytesPerSecond: options.hostBytesPerSecond,
    progressIntervalMs: options.progressIntervalMs,
    recordEvents: false,
    hostKey: (dataVolume) => {
      const annotations = dataVolume.metadata.annotations;
      const key =
        annotations && typeof annotations === 'object' && !Array.isArray(annotations)
          ? annotations[ANNOTATION_VM_KEY]
          : undefined;
      return typeof key === 'string' ? hostOfVm.get(key) : undefined;
    },
  },
  kubevirt: { startDelayMs: 5_000, recordEvents: false },
  kubelet: {
    outcome: (pod) => {
      const afterMs = conversionMs.get(String(pod.metadata.name));
      return afterMs === undefined ? undefined : { phase: 'Succeeded', afterMs };
    },
  },
});

process.on('message', (message: Request) => {
  if (message.type === 'now') process.send?.({ id: message.id, value: emulator.clock.now() });
  if (message.type === 'speed') {
    emulator.clock.setSpeed(Number(message.value));
    process.send?.({ id: message.id, value: emulator.clock.getSpeed() });
  }
  if (message.type === 'lags') process.send?.({ id: message.id, value: lags });
  if (message.type === 'throughput') process.send?.({ id: message.id, value: emulator.cdi.hostThroughput() });
  if (message.type === 'imports')
    process.send?.({ id: message.id, value: emulator.cdi.activeImportsByHost() });
  if (message.type === 'stop') {
    void emulator.close().then(() => {
      process.send?.({ id: message.id, value: null });
      process.exit(0);
    });
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, value: emulator.url });
