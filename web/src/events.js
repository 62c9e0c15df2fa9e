// Server-Sent Events from /api/v1/events (job, video, live). EventSource
// reconnects by itself; the server sends the current state on each connect.
export function subscribe(handlers) {
  if (!('EventSource' in window)) return () => {};
  const source = new EventSource('/api/v1/events', { withCredentials: true });
  for (const [name, handler] of Object.entries(handlers)) {
    source.addEventListener(name, (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      handler(data);
    });
  }
  return () => source.close();
}
