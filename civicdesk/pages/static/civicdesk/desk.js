// Small behaviours of the desk's pages, kept out of the HTML so the Content Security
// Policy can forbid inline scripts.
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
