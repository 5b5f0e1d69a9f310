"""``robot inspect``: what is on a live screen, and the selector-map targets for it.

Web (``web.py``): ``collect`` every control with the words beside it, ``propose``
alternatives checked on the screen, ``shot`` a numbered screenshot, ``merge`` them into a
map. Desktop (``desktop.py``): the window tree and a screenshot with a coordinate grid.
"""
