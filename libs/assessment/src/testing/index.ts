export {
  makeCdrom,
  makeDisk,
  makeInventory,
  makeNic,
  makePartition,
  makeSnapshot,
  makeUsbDevice,
  makeVm,
} from './vm-factory.js';
