"""Loopback stand-ins for the outside world (Slack, SMTP, the platform's open API).

Real servers on 127.0.0.1 that the demo, the tests and the benchmarks point Airflow's
providers at; no production code path imports them.
"""
