Feature: Embedded in the host platform
  The firm's engagement platform mounts Charter with one script tag and one
  element; styles and routing do not leak either way.

  Scenario: Mounting inside the host shell
    Given the host demo page with its own global styles
    When the micro-frontend mounts for tenant "acme"
    Then the host's header and styles are unchanged
    And the entity list of "acme" is shown inside the host's content area

  Scenario: Navigating inside the micro-frontend leaves the host's URL alone
    Given the host demo page with its own global styles
    When the micro-frontend mounts for tenant "acme"
    And I open the entity "Example Parent Corp" inside the micro-frontend
    Then the host hears "charter:navigate" and its own URL is unchanged

  Scenario: An expired token asks the host to sign in again and resumes
    Given the host demo page whose token has expired
    When the micro-frontend mounts for tenant "acme"
    Then the host receives a "charter:auth-required" event
    And the entity list of "acme" is shown inside the host's content area

  Scenario: Two instances on one page do not interfere
    Given a host page with two micro-frontends for tenants "acme" and "globex"
    Then each shows only its own tenant's entities
