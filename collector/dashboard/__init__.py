"""The dashboard: the report as a web page (``app``), drawn by the collector itself
(``page``, with ``charts``), and ``public``, which makes a page fit to publish."""
