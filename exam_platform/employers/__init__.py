"""Employers (生产经营单位): the roster of workers and their posts, live 持证率 from the certificate registry,
the gap list (who must do what next) and batch verification of certificates."""
