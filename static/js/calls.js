// Calls: ask before a state change that everyone sees at once (buttons with data-confirm).
// Without JavaScript the buttons simply submit.
document.addEventListener("submit", function (event) {
  const button = event.submitter;
  const message = button && button.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
