// The patrol report form: "Use my location" fills latitude and longitude from the phone (browsers
// allow it on HTTPS or localhost; elsewhere the button stays hidden and the member types them),
// and the form sends once.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("#report form");
  if (!form) {
    return;
  }
  const locate = form.querySelector("button.locate");
  const status = form.querySelector(".locating");
  if (navigator.geolocation && window.isSecureContext) {
    locate.hidden = false;
    locate.addEventListener("click", () => {
      status.textContent = "…";
      navigator.geolocation.getCurrentPosition(
        (position) => {
          form.elements.lat.value = position.coords.latitude.toFixed(6);
          form.elements.lon.value = position.coords.longitude.toFixed(6);
          status.textContent = `± ${Math.round(position.coords.accuracy)} m`;
        },
        (failure) => {
          status.textContent = failure.message;
        },
        { enableHighAccuracy: true, timeout: 15000 },
      );
    });
  }
  form.addEventListener("submit", () => {
    form.querySelector("button[type=submit]").disabled = true;
  });
});
