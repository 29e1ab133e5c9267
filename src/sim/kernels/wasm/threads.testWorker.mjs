// Entry of the Node kernel thread of threads.test.ts: worker_threads loads plain JavaScript, so tsx is
// registered first to load the TypeScript helper (threads.testWorker.ts).
import { register } from 'tsx/esm/api';

register();
await import('./threads.testWorker.ts');
