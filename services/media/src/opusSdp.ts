/**
 * The SDP that tells ffmpeg what arrives on its UDP port: Opus (always announced as 48 kHz, two
 * channels in RTP, RFC 7587) with the payload type the mediasoup consumer actually uses — a
 * mismatch makes ffmpeg drop every packet.
 */
export function opusRtpSdp(options: { ip: string; port: number; payloadType: number }): string {
  const { ip, port, payloadType } = options;
  return [
    'v=0',
    `o=- 0 0 IN IP4 ${ip}`,
    's=lm-audio-tap',
    `c=IN IP4 ${ip}`,
    't=0 0',
    `m=audio ${port} RTP/AVP ${payloadType}`,
    `a=rtpmap:${payloadType} opus/48000/2`,
    'a=recvonly',
    '',
  ].join('\r\n');
}
