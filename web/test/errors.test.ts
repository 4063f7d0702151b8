import { describe, expect, it } from 'vitest';
import { errorFor, mapErrorsToSteps, normalizeField } from '../src/errors.ts';

const steps = [
  { id: 'identity', fields: ['legal_name', 'other_names', 'custom_fields'] },
  { id: 'jurisdiction', fields: ['jurisdiction', 'legal_form', 'legal_form_text'] },
  { id: 'registration', fields: ['registration_number', 'lei', 'incorporation_date'] },
  { id: 'addresses', fields: ['addresses', 'registered_agent'] },
  { id: 'officers', fields: ['officers'] },
  { id: 'review', fields: ['effective_from', 'reason'] },
];

describe('mapping problem errors to wizard steps', () => {
  it('sends the user to the first step with an error, keeping every step’s errors', () => {
    const m = mapErrorsToSteps(
      [
        { field: 'lei', rule: 'lei_format', message: 'must be 20 characters' },
        { field: 'legal_form', rule: 'jurisdiction', message: '2HBR is a legal form of DE, not of FR' },
        { field: 'addresses.registered_office.lines', rule: 'required', message: 'needs at least one line' },
      ],
      steps,
    );
    expect(m.step).toBe('jurisdiction');
    expect(m.byStep.jurisdiction).toEqual({ legal_form: '2HBR is a legal form of DE, not of FR' });
    expect(m.byStep.registration).toEqual({ lei: 'must be 20 characters' });
    expect(m.byStep.addresses).toEqual({ 'addresses.registered_office.lines': 'needs at least one line' });
    expect(m.unmatched).toEqual([]);
  });
  it('prefixes errors of a sub-request (an officer’s appointment) and normalises indexes', () => {
    const m = mapErrorsToSteps([{ field: 'role', rule: 'known_role', message: 'dictator is not a role' }], steps, 'officers[1]');
    expect(m.step).toBe('officers');
    expect(m.byStep.officers).toEqual({ 'officers.1.role': 'dictator is not a role' });
  });
  it('keeps errors no step owns apart', () => {
    const m = mapErrorsToSteps([{ field: 'weird', rule: 'x', message: 'y' }], steps);
    expect(m.step).toBeNull();
    expect(m.unmatched).toHaveLength(1);
  });
  it('custom fields belong to the step that asks for them', () => {
    const m = mapErrorsToSteps([{ field: 'custom_fields.matter_number', rule: 'required', message: 'is a required custom field' }], steps);
    expect(m.step).toBe('identity');
  });
  it('finds the message for a field or its closest parent', () => {
    expect(normalizeField('addresses[0].city')).toBe('addresses.0.city');
    expect(errorFor({ 'officers.1': 'bad' }, 'officers.1.role')).toBe('bad');
    expect(errorFor({ lei: 'bad' }, 'legal_name')).toBeUndefined();
  });
});
