// The page context: the rows come from a slow source (a database, an API) that resolves
// after `delayMs`, so the head of the page can stream before it does.
export function pageContext({ delayMs = 300, onData = () => {} } = {}) {
  async function* rows() {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    onData();
    for (let i = 1; i <= 3; i++) yield { name: `row <${i}>`, score: i * 1.25 };
  }
  return { title: 'Streaming with Kida', rows: rows(), footer: 'done' };
}
