"""HTTP API building blocks shared by every service (errors as RFC 9457 problems, …)."""

from enforcement_common.api.problems import ProblemError, install_problem_handlers, problem_response

__all__ = ["ProblemError", "install_problem_handlers", "problem_response"]
