// The timeout warning (WCAG 2.2.1, the GOV.UK and HMRC timeout warning pattern).
//
// A signed-in page opens the dialog of templates/auth/_timeout_warning.html a few minutes
// (IDLE_WARNING) before the idle timeout would sign the person out. It says how long is
// left, and reads that out each minute, then every 20 seconds in the last minute. "Stay
// signed in" (or Escape) sends a request that counts as using the service and closes it;
// "Sign out" signs out. If the time runs out, the session is ended and the browser goes to
// sign in again; answers typed into a question page since it loaded are sent on first, so
// that they are kept for the person to check and save after signing in (eqia/pending.py),
// as they are without JavaScript.
//
// The browser's tabs share when any of them last used the service (localStorage), so a
// tab left open neither warns nor signs out someone busy in another.

const LAST_USED = "eqia-last-used";

function sharedLastUsed() {
  try {
    return Number(window.localStorage.getItem(LAST_USED)) || 0;
  } catch {
    return 0; // storage turned off: each tab keeps its own time
  }
}

function shareLastUsed(time) {
  try {
    if (time > sharedLastUsed()) {
      window.localStorage.setItem(LAST_USED, String(time));
    }
  } catch {
    // storage turned off
  }
}

function plural(count, unit) {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

// "5 minutes" while a minute or more is left (rounded up), then "59 seconds".
function timeLeft(seconds) {
  return seconds >= 60 ? plural(Math.ceil(seconds / 60), "minute") : plural(seconds, "second");
}

// When to read the time out: each whole minute, then at 60, 40 and 20 seconds.
function announcementStep(seconds) {
  return seconds > 60 ? Math.ceil(seconds / 60) * 60 : Math.ceil(seconds / 20) * 20;
}

function typed(form) {
  return new URLSearchParams(new FormData(form)).toString();
}

export function initTimeoutWarning(dialog) {
  if (!(dialog instanceof HTMLDialogElement)) {
    return;
  }
  const idle = Number(dialog.dataset.idleSeconds) * 1000;
  const warning = Number(dialog.dataset.warningSeconds) * 1000;
  if (!(idle > 0 && warning > 0)) {
    return;
  }
  const countdown = dialog.querySelector("[data-timeout-countdown]");
  const announcement = dialog.querySelector("[data-timeout-announcement]");
  const stayButton = dialog.querySelector("[data-timeout-stay]");
  const form = dialog.querySelector("form"); // Sign out; its CSRF token serves every request
  const answers = document.querySelector("form[data-keep-on-timeout]");
  const answersAtLoad = answers ? typed(answers) : null;

  let lastUsed = Date.now(); // this page's request counted as use just before
  let returnFocusTo = null;
  let announced = null;
  let closedByScript = false; // the next close event is this script's own
  let waiting = false; // for the answer to "Stay signed in"
  let finished = false; // signing out, one way or the other
  let timer = 0;
  shareLastUsed(lastUsed);

  function request(url) {
    return window.fetch(url, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      redirect: "manual", // a session that has ended is sent to sign in: not ok
    });
  }

  function show(left) {
    const seconds = Math.ceil(left / 1000);
    countdown.textContent = timeLeft(seconds);
    const step = announcementStep(seconds);
    // On opening, the dialog's description is read with it; after that, each step.
    if (announced !== null && step !== announced) {
      announcement.textContent = `We will sign you out in ${timeLeft(step)}.`;
    }
    announced = step;
  }

  function open(left) {
    returnFocusTo = document.activeElement;
    announced = null;
    announcement.textContent = "";
    show(left);
    dialog.showModal();
    stayButton.focus();
  }

  function close() {
    if (dialog.open) {
      closedByScript = true;
      dialog.close();
    }
    announcement.textContent = "";
    if (returnFocusTo instanceof HTMLElement && returnFocusTo.isConnected) {
      returnFocusTo.focus();
    }
    returnFocusTo = null;
  }

  async function timeOut() {
    if (finished) {
      return;
    }
    finished = true;
    window.clearInterval(timer);
    let ended = false;
    try {
      ended = (await request(dialog.dataset.timedOutUrl)).ok;
    } catch {
      // offline: going to sign in will say so
    }
    if (ended && answers && typed(answers) !== answersAtLoad) {
      // Kept for them, not saved: the session has ended. (The form's own submit() may be
      // hidden by a button named "submit".)
      HTMLFormElement.prototype.submit.call(answers);
      return;
    }
    window.location.assign(dialog.dataset.signInUrl);
  }

  async function stay() {
    if (waiting || finished) {
      return;
    }
    waiting = true;
    let response;
    try {
      response = await request(dialog.dataset.staySignedInUrl);
    } catch {
      waiting = false; // offline: the warning stays (or comes back) to try again
      return;
    }
    waiting = false;
    if (!response.ok) {
      timeOut(); // too late: the session has already ended
      return;
    }
    lastUsed = Date.now();
    shareLastUsed(lastUsed);
    close();
  }

  function tick() {
    if (finished || waiting) {
      return;
    }
    const left = Math.max(lastUsed, sharedLastUsed()) + idle - Date.now();
    if (left <= 0) {
      timeOut();
    } else if (left > warning) {
      if (dialog.open) {
        close(); // another tab has used the service
      }
    } else if (dialog.open) {
      show(left);
    } else {
      open(left);
    }
  }

  stayButton.addEventListener("click", stay);
  form.addEventListener("submit", () => {
    finished = true;
    window.clearInterval(timer);
  });
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault(); // Escape means stay signed in
    stay();
  });
  dialog.addEventListener("close", () => {
    if (closedByScript) {
      closedByScript = false;
    } else if (!finished) {
      stay(); // the browser closed it (Escape, when it will not let the page keep it open)
    }
  });
  // Focus stays in the dialog while it is open: Tab and Shift+Tab go round its buttons.
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") {
      return;
    }
    const buttons = [...dialog.querySelectorAll("button")];
    const first = buttons[0];
    const last = buttons[buttons.length - 1];
    const at = document.activeElement;
    if (!buttons.includes(at) || (event.shiftKey ? at === first : at === last)) {
      event.preventDefault();
      (event.shiftKey ? last : first).focus();
    }
  });
  window.addEventListener("storage", (event) => {
    if (event.key === LAST_USED) {
      tick();
    }
  });
  document.addEventListener("visibilitychange", tick); // timers run late in hidden tabs

  timer = window.setInterval(tick, 1000);
}
