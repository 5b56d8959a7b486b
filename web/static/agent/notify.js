// What tells an agent that something needs them while they look elsewhere:
// a short beep made with WebAudio (no sound file) and a count in the tab title.

let audio = null;

// unlock creates the audio context on a user gesture, as browsers require.
export function unlock() {
  if (!audio && window.AudioContext) { audio = new AudioContext(); }
  if (audio && audio.state === 'suspended') { audio.resume().catch(() => {}); }
}

// beep plays two short tones; the count in body[data-beeps] lets tests see it.
export function beep() {
  document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
  if (!audio) { return; }
  const t = audio.currentTime;
  for (const [at, freq] of [[0, 880], [0.18, 1175]]) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'sine';
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, t + at);
    gain.gain.exponentialRampToValueAtTime(0.25, t + at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + at + 0.15);
    osc.connect(gain).connect(audio.destination);
    osc.start(t + at);
    osc.stop(t + at + 0.16);
  }
}

// badge puts the number of things waiting for the agent in the tab title.
export function badge(base, n) {
  document.title = n > 0 ? `(${n}) ${base}` : base;
}
