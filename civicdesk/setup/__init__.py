"""Setting up a desk from the screens: a new organization with its defaults, its content
pillars and campaigns. It sits above organizations and publishing and uses both."""
