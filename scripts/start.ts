/**
 * `npm start [-- --port N] [--host H] [--strictPort]`
 *
 * Serves the app at once (Vite's dev server) and, unless public/cifar10 already holds the verified data
 * set, fetches CIFAR-10 beside it in a child process (`scripts/data.ts`, so that unpacking 180 MB never
 * stalls the server). The app runs on its built-in starter set meanwhile (first 1,000 test and 256
 * training images) and uses the full set for larger experiments once it is there. A failed download
 * (offline, a firewall) is reported and the app keeps running: nobody is left without an app.
 * CIFAR10_DIR (a local copy) and CIFAR10_URL (a mirror) are passed on to the data script.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createServer } from 'vite';
import { checkInstalled, repoRoot } from './data';
import { errorMessage } from '../src/sim/errors';

const USAGE = `Usage: npm start [-- --port N] [--host HOST] [--strictPort]
  --port N      serve on port N (default 5173; the next free one unless --strictPort)
  --host HOST   listen on HOST (e.g. 0.0.0.0 to be reachable from other machines)
  --strictPort  fail instead of trying the next port`;

function readOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      strictPort: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))
    throw new Error(`--port needs a port number (1–65535), got "${values.port}".\n${USAGE}`);
  return { port, host: values.host, strictPort: values.strictPort, help: values.help };
}

const say = (line: string) => console.log(`[start] ${line}`);

/** Runs scripts/data.ts with this process's Node options (the tsx loader), each line prefixed. */
function fetchData(): ChildProcess {
  const child = spawn(process.execPath, [...process.execArgv, path.join(repoRoot, 'scripts', 'data.ts')], {
    cwd: repoRoot,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream! }).on('line', (line) => console.log(`[data] ${line}`));
  return child;
}

async function main(): Promise<void> {
  let options;
  try {
    options = readOptions(process.argv.slice(2));
  } catch (error) {
    console.error(errorMessage(error));
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const server = await createServer({
    root: repoRoot,
    server: { port: options.port, host: options.host, strictPort: options.strictPort },
  });
  await server.listen();
  server.printUrls();

  const outDir = path.join(repoRoot, 'public', 'cifar10');
  const missing = checkInstalled(outDir);
  let child: ChildProcess | null = null;
  if (missing === null) {
    say('CIFAR-10: the full data set is in public/cifar10 (verified).');
  } else {
    say(
      `CIFAR-10: ${missing}; fetching it now. The app already runs on its built-in starter set ` +
        '(first 1,000 test images); larger experiments use the full set once it is here.',
    );
    child = fetchData();
    child.on('exit', (code) => {
      child = null;
      if (code === 0) say('CIFAR-10 is ready: experiments beyond the starter set can run now.');
      else
        say(
          'CIFAR-10 could not be fetched (see the [data] lines above). The app keeps running on its ' +
            'built-in starter set. Later: `npm run data` (or `npm run data -- --from DIR` with a local ' +
            'copy), or import cifar-10-binary.tar.gz in the page.',
        );
    });
  }

  const stop = () => {
    child?.kill();
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
