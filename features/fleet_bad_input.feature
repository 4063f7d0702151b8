Feature: Fleet commands refuse bad input and change nothing
  Background:
    Given tenants "acme" and "globex" onboarded with placement "shared"

  Scenario Outline: Refused fleet commands
    Given <situation>
    When I run "<command>"
    Then it exits non-zero and its error names "<named>"
    And nothing in the fleet changed

    Examples:
      | situation                                        | command                                            | named                          |
      | nothing else                                     | charter tenant move nosuch --to anywhere           | nosuch                         |
      | nothing else                                     | charter tenant move acme --to nowhere              | nowhere                        |
      | nothing else                                     | charter tenant move acme --to the-shared-database  | already in                     |
      | nothing else                                     | charter tenant export nosuch                       | nosuch                         |
      | nothing else                                     | charter tenant import /nonexistent/archive.tar.gz  | /nonexistent/archive.tar.gz    |
      | a pending migration with a malformed header      | charter migrate apply                              | 0903_bad_header                |
      | a pending DML that requires an unknown DDL       | charter migrate plan                               | ddl 0042, which does not exist |
      | pending migrations that wait on each other       | charter migrate apply                              | dependency cycle               |
      | a pending migration and an unreachable database  | charter migrate apply                              | unreachable-db                 |
