"""Inspectors (执法人员): on-site inspections of employers, certificate checks (online and offline), suspected
forgeries followed up by the regulator, inspection statistics, and the inspectors' own 执法证."""
