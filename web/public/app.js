fetch('/api/v1/health').then(r => r.json()).then(h => {
  document.getElementById('status').textContent = `Server ${h.status}, version ${h.version}`;
}).catch(() => { document.getElementById('status').textContent = 'Server unreachable'; });
