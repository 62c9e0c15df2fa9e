// Keyboard shortcuts of the watch page (ignored while typing in a field):
// space/k play-pause, f full screen, m mute, ←/→ seek 5 s, ↑/↓ volume, p PiP.
const SEEK_SECONDS = 5;

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

export function initShortcuts(video, { togglePictureInPicture, setStatus }) {
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    // Space on a focused button activates the button, not the player.
    if (event.key === ' ' && event.target instanceof HTMLButtonElement) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    switch (key) {
      case ' ':
      case 'k':
        if (video.paused) video.play().catch(() => {});
        else video.pause();
        break;
      case 'f':
        if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
        else (video.parentElement ?? video).requestFullscreen?.().catch(() => setStatus('Full screen is not available here.'));
        break;
      case 'm':
        video.muted = !video.muted;
        setStatus(video.muted ? 'Muted.' : 'Sound on.');
        break;
      case 'ArrowLeft':
        video.currentTime = Math.max(0, video.currentTime - SEEK_SECONDS);
        break;
      case 'ArrowRight':
        video.currentTime += SEEK_SECONDS;
        break;
      case 'ArrowUp':
        video.muted = false;
        video.volume = Math.min(1, video.volume + 0.1);
        break;
      case 'ArrowDown':
        video.volume = Math.max(0, video.volume - 0.1);
        break;
      case 'p':
        togglePictureInPicture();
        break;
      default:
        return;
    }
    event.preventDefault();
  });
}
