// The policy form: "Add another" adds a blank rule to a list (without script, each list
// already ends with one blank rule, and saving gives a new one).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button.add-rule[data-add]").forEach(function (button) {
    var kind = button.getAttribute("data-add");
    var total = document.getElementById("id_" + kind + "-TOTAL_FORMS");
    var template = document.getElementById(kind + "-empty");
    var list = document.getElementById(kind + "-list");
    if (!total || !template || !list) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      list.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var first = list.lastElementChild && list.lastElementChild.querySelector("input, textarea");
      if (first) {
        first.focus();
      }
    });
  });
});
