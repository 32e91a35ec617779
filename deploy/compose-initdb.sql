-- One database per service (ARCHITECTURE.md: a service never reads another's database).
CREATE DATABASE case_service;
CREATE DATABASE tolerance_service;
CREATE DATABASE review_service;
CREATE DATABASE accountability_service;
CREATE DATABASE stats_service;
