// The photo card's live camera (#photo-live): a video view of the camera where the browser
// allows getUserMedia, and Snap, which hands one frame to the card as a photo. The stream stops
// on Snap, on Close and when the page is hidden; a camera the browser refuses or does not have
// gets its message. The button only appears where getUserMedia exists.

/** Why getUserMedia failed -> the card's problem key. */
function problemOf(err) {
  const name = err?.name || "";
  if (name === "NotAllowedError" || name === "SecurityError") return "camera-refused";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "camera-missing";
  return "camera-failed";
}

export class PhotoCamera {
  /** card: #photo; onFrame(ImageBitmap): a snapped frame; onProblem(key): the camera failed. */
  constructor(card, onFrame, onProblem) {
    this.start = card.querySelector("#photo-live");
    this.panel = card.querySelector("#photo-live-view");
    this.video = card.querySelector("#photo-video");
    this.snap = card.querySelector("#photo-snap");
    this.close = card.querySelector("#photo-close");
    this.stream = null;
    this.onFrame = onFrame;
    this.onProblem = onProblem;
    this.start.hidden = !navigator.mediaDevices?.getUserMedia;
    this.start.addEventListener("click", () => this.open());
    this.snap.addEventListener("click", () => this.take());
    this.close.addEventListener("click", () => this.stop());
    document.addEventListener("visibilitychange", () => { if (document.hidden) this.stop(); });
  }

  async open() {
    if (this.stream) return;
    this.start.disabled = true;
    try {
      this.stream = await navigator.mediaDevices.getUserMedia(
        { video: { facingMode: "environment", width: { ideal: 1920 }, height: { ideal: 1080 } }, audio: false });
    } catch (err) {
      this.start.disabled = false;
      this.onProblem(problemOf(err));
      return;
    }
    this.video.srcObject = this.stream;
    this.panel.hidden = false;
    await this.video.play().catch(() => {});
    this.snap.disabled = false;
    this.snap.focus();
  }

  async take() {
    if (!this.stream || !this.video.videoWidth) return;
    const frame = await createImageBitmap(this.video);
    this.stop();
    this.onFrame(frame);
  }

  stop() {
    for (const track of this.stream?.getTracks() || []) track.stop();
    this.stream = null;
    this.video.srcObject = null;
    this.panel.hidden = true;
    this.snap.disabled = true;
    this.start.disabled = false;
  }
}
