"""The grounds of the template (DD1–DD11, TG1–TG9, MG1–MG3, C1–C3) with their Chinese text."""
