"""Answer human-in-the-loop requests through Airflow's real REST API (for the demo and tests).

A person answers in the UI (Required Actions) or via the REST API; this responder does
the latter from a background thread: it waits for task instances in AWAITING_INPUT and
PATCHes `/api/v2/dags/{dag}/dagRuns/{run}/taskInstances/{task}/{map}/hitlDetails` on an
in-process API app sharing the metadata database (AIRFLOW_NOTES: "Human in the loop").

With `who` (dag_id, task_id -> user name) every answer is given as that named user, signed
in with a token of the simple auth manager, so the decision records a person (the
ledger's `decided_by`), never "Anonymous"; without it, as the all-admins anonymous user.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class HitlAnswer:
    dag_id: str
    run_id: str
    task_id: str
    option: str
    status_code: int
    subject: str = ""
    user: str = ""


Decide = Callable[[str, str, str, str], str | None]  # (dag_id, run_id, task_id, subject) -> option
Who = Callable[[str, str], str]  # (dag_id, task_id) -> the user name who answers


@dataclass
class HitlResponder:
    """Answers pending HITL requests with `decide(...)`; None leaves a request waiting."""

    decide: Decide
    who: Who | None = None
    role: str = "op"
    poll_seconds: float = 0.3
    answers: list[HitlAnswer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _client: Any = None
    _tokens: dict[str, str] = field(default_factory=dict)

    def __enter__(self) -> HitlResponder:
        if self.who is None:
            os.environ.setdefault("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "True")
        else:
            os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] = "False"
        from airflow.api_fastapi.app import create_app, purge_cached_app
        from fastapi.testclient import TestClient

        purge_cached_app()  # an app built earlier in this process may have another auth set-up
        # built in the main thread, as the API app's lifespan expects
        self._client = TestClient(create_app(apps="core"))
        self._client.__enter__()
        self._thread = threading.Thread(target=self._loop, name="hitl-responder", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        if self._client is not None:
            self._client.__exit__(None, None, None)

    def _auth(self, user: str) -> dict[str, str]:
        """Return the Authorization header of `user` (none for the all-admins anonymous user)."""
        if not user:
            return {}
        if user not in self._tokens:
            from airflow.api_fastapi.app import get_auth_manager
            from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

            user_object = SimpleAuthManagerUser(username=user, role=self.role)
            self._tokens[user] = get_auth_manager().generate_jwt(user_object)
        return {"Authorization": f"Bearer {self._tokens[user]}"}

    def _pending(self) -> list[tuple[str, str, str, int, str]]:
        from airflow.models.hitl import HITLDetail
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session
        from airflow.utils.state import TaskInstanceState
        from sqlalchemy import select

        with create_session() as session:
            rows = session.execute(
                select(
                    TaskInstance.dag_id,
                    TaskInstance.run_id,
                    TaskInstance.task_id,
                    TaskInstance.map_index,
                    HITLDetail.subject,
                )
                .join(HITLDetail, HITLDetail.ti_id == TaskInstance.id)
                .where(TaskInstance.state == TaskInstanceState.AWAITING_INPUT)
            ).all()
        return [tuple(r) for r in rows]

    def _loop(self) -> None:
        answered: set[tuple[str, str, str]] = set()
        while not self._stop.is_set():
            try:
                pending = self._pending()
            except Exception:  # the database may be busy; try again
                pending = []
            for dag_id, run_id, task_id, map_index, subject in pending:
                key = (dag_id, run_id, task_id)
                if key in answered:
                    continue
                option = self.decide(dag_id, run_id, task_id, subject or "")
                if option is None:
                    continue
                user = self.who(dag_id, task_id) if self.who else ""
                response = self._client.patch(
                    f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/{map_index}/hitlDetails",
                    json={"chosen_options": [option], "params_input": {}},
                    headers=self._auth(user),
                )
                answer = HitlAnswer(dag_id, run_id, task_id, option, response.status_code, subject or "", user)
                self.answers.append(answer)
                if response.status_code < 300:
                    answered.add(key)
            time.sleep(self.poll_seconds)
