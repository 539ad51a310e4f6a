"""The built-in buildpacks. Each is an ordinary plugin: a buildpack.toml for its identity and a
module implementing hooks from :mod:`gobuildpack.hookspecs`, exactly as a third party would."""
