// The tap-to-unmute overlay: playback starts muted (browsers only let muted
// video autoplay), so while it plays muted a big button over the picture says
// so; one tap (or unmuting any other way: the player's own control, the m key)
// turns the sound on and the button goes away for good on this page.

/** Wires the overlay `button` to `video`; returns { state() } for the test hook. */
export function initUnmute(video, button) {
  let dismissed = false;
  const update = () => {
    const show = !dismissed && video.muted && !video.paused;
    button.hidden = !show;
  };
  button.addEventListener('click', (event) => {
    event.stopPropagation();
    dismissed = true;
    video.muted = false;
    if (video.volume === 0) video.volume = 1;
    video.play?.().catch(() => {});
    update();
  });
  video.addEventListener('playing', update);
  video.addEventListener('pause', update);
  video.addEventListener('volumechange', () => {
    if (!video.muted && video.volume > 0) dismissed = true;
    update();
  });
  return { state: () => ({ shown: !button.hidden, muted: video.muted, dismissed }) };
}
