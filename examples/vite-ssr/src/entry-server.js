// The server entry of a Vite SSR app: templates are imported like any module.
import home from '../templates/pages/home.html.kida';

export function renderPage(ctx) {
  return home.render(ctx);
}
export const streamPage = (ctx) => home.renderStreamAsync(ctx);
