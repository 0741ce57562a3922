// The spoke side of our channels under measurement: echoes every heartbeat. Reached by
// connectToParent() (thread, process) or, when BENCH_TCP_URL is set, by connectTcp() with
// the secret from SPM_SECRET (never the command line).
import { connectTcp, connectToParent, readSecret, type Channel } from '@spm/transport';

const url = process.env['BENCH_TCP_URL'];
const batch = process.env['BENCH_BATCH'] !== 'false';
const channel: Channel = url ? await connectTcp({ url, secret: readSecret(), batch }) : connectToParent();
channel.on('message', (message) => {
  if (message.type === 'heartbeat') channel.send(message);
});
channel.on('close', () => process.exit(0));
