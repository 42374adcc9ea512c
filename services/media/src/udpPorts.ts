import dgram from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { AppError } from '@lm/kit';

function bindOnce(ip: string, port: number): Promise<dgram.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind({ address: ip, port, exclusive: true }, () => resolve(socket));
  });
}

/**
 * Finds an even port P in [min, max] with P and P+1 free (ffmpeg's RTP input binds P for RTP and
 * P+1 for RTCP). The ports are released before returning; the caller hands them to ffmpeg at
 * once. Random starting points keep concurrent taps from racing for the same pair.
 */
export async function allocateUdpPortPair(ip: string, min: number, max: number): Promise<number> {
  const first = min + (min % 2);
  const pairs = Math.floor((max - first) / 2);
  if (pairs < 1) throw new AppError('invalid_argument', `no even port pair in ${min}-${max}`);
  const start = Math.floor(Math.random() * pairs);
  for (let i = 0; i < Math.min(pairs, 200); i++) {
    const port = first + 2 * ((start + i) % pairs);
    const rtp = await bindOnce(ip, port);
    if (!rtp) continue;
    const rtcp = await bindOnce(ip, port + 1);
    rtp.close();
    if (!rtcp) continue;
    rtcp.close();
    return port;
  }
  throw new AppError('resource_exhausted', `no free UDP port pair in ${min}-${max}`);
}

/**
 * Whether some process has bound the UDP port (Linux /proc; elsewhere it answers `undefined` and
 * the caller falls back to a fixed delay). Reading, unlike a test bind, cannot steal the port.
 */
export async function isUdpPortBound(port: number): Promise<boolean | undefined> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let found = false;
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return undefined;
    }
    // Lines: "  sl  local_address rem_address ..."; local_address is HEXIP:HEXPORT.
    found ||= text.split('\n').some((line) => line.trim().split(/\s+/)[1]?.endsWith(`:${hex}`));
  }
  return found;
}
