"""The dashboard: static files (static/index.html, app.js, app.css) served by the API at /."""
