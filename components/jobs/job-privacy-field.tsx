'use client';

/**
 * Private: the job is left out of the public list, and its page, images and events open only in this
 * browser (its owner token). Contributors still receive the scene and settings to render it.
 */
export function JobPrivacyField({
  id,
  checked,
  onChange,
  disabled,
}: {
  id: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
}) {
  return (
    <div className="field field--checkbox">
      <label htmlFor={`${id}-private`}>
        <input
          id={`${id}-private`}
          type="checkbox"
          checked={checked}
          disabled={disabled}
          onChange={(event) => onChange(event.target.checked)}
          data-testid="job-private"
        />{' '}
        Private job
      </label>
      <p className="muted small">
        Not listed; its page and image open only in this browser. Contributors still receive the scene to
        render it.
      </p>
    </div>
  );
}
