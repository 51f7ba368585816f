/**
 * The few XML shapes the EC2 Query protocol answers with. Hand-written rather than built with an
 * XML library because EC2 needs one exact layout (lists as `<xSet><item>`) and nothing else.
 */

/** A value that renders as XML: objects become elements, arrays become `<item>` lists. */
export type XmlValue =
  string | number | boolean | undefined | null | XmlValue[] | { [tag: string]: XmlValue };

export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function render(tag: string, value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    // EC2 writes an empty list as an empty element; the SDK reads it back as [].
    if (value.length === 0) return `<${tag}/>`;
    return `<${tag}>${value.map((item) => render('item', item)).join('')}</${tag}>`;
  }
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([k, v]) => render(k, v))
      .join('');
    return `<${tag}>${inner}</${tag}>`;
  }
  return `<${tag}>${escapeXml(String(value))}</${tag}>`;
}

/** `<{Action}Response xmlns=...><requestId/>...body...</{Action}Response>`, as EC2 answers. */
export function ec2Response(
  action: string,
  requestId: string,
  body: Record<string, XmlValue>,
): string {
  const inner = Object.entries(body)
    .map(([k, v]) => render(k, v))
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<${action}Response xmlns="${EC2_XMLNS}"><requestId>${escapeXml(requestId)}</requestId>${inner}</${action}Response>`
  );
}

/** EC2's error envelope: `<Response><Errors><Error>` with `RequestID` (not `RequestId`). */
export function ec2ErrorResponse(code: string, message: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors>` +
    `<RequestID>${escapeXml(requestId)}</RequestID></Response>`
  );
}

export const SNS_VERSION = '2010-03-31';
export const SNS_XMLNS = `http://sns.amazonaws.com/doc/${SNS_VERSION}/`;

/** SNS's error envelope: `<ErrorResponse><Error>` with a Sender or Receiver type. */
export function snsErrorResponse(
  code: string,
  message: string,
  requestId: string,
  status: number,
): string {
  return (
    `<ErrorResponse xmlns="${SNS_XMLNS}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}
