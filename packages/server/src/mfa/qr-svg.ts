import QRCode from 'qrcode';

/**
 * A QR code as inline SVG, rendered on the server (no third-party script, nothing fetched by the
 * browser): the enrolment page embeds it, the JSON API returns it for clients to show.
 */
export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: 200 });
}
