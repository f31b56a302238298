// A serverless-style handler bundled with Rollup: renders and streams a compiled page.
import page from './templates/page.html.kida';
import { toReadableStream } from 'kida';

export function handler(event) {
  return { statusCode: 200, headers: { 'content-type': 'text/html' }, body: page.render(event.data) };
}

export function stream(event) {
  return toReadableStream(page.renderStreamAsync(event.data));
}
