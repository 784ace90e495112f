import type { FormError } from './use-job-form';

/** Why the job form's last submit failed, and what to do next. */
export function JobFormError({ error }: { error: FormError }) {
  return (
    <div className="notice notice--error" role="alert" data-testid="job-form-error">
      <p className="notice__title">{error.message}</p>
      {error.next.length > 0 ? (
        <ul>
          {error.next.map((step) => (
            <li key={step}>{step}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
