"""Running the whole product: the background worker, the web server, the demo and the
scripted set-up. It sits above every other app (it runs them all), so nothing imports it.
"""
