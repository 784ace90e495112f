'use client';

import { useEffect, useRef } from 'react';
import { alertToShow, jobTitle, notificationText } from '../../lib/dashboard/job-alerts';
import type { JobView } from '../../lib/protocol/api-types';
import { useOwner } from './use-owner';

/**
 * While a job's page is open: the tab's title says how far the job is (a requestor who looked away sees it
 * in the tab strip), and a browser notification, when this site is allowed to show them, says that the job
 * finished or now needs a deposit. Permission is asked only from a click (NotifyButton), never on load.
 */
export function useJobAlerts(job: JobView | null) {
  const previous = useRef<JobView['status'] | undefined>(undefined);
  const alerted = useOwner((state) => (job ? state.alerted[job.id] : undefined));
  const markAlerted = useOwner((state) => state.markAlerted);
  const title = job ? jobTitle(job) : null;

  useEffect(() => {
    if (!title) return;
    const before = document.title;
    document.title = title;
    return () => {
      document.title = before;
    };
  }, [title]);

  useEffect(() => {
    if (!job) return;
    const alert = alertToShow(job, previous.current, alerted);
    previous.current = job.status;
    if (!alert) return;
    markAlerted(job.id, alert);
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    const { title: heading, body } = notificationText(job, alert);
    try {
      new Notification(heading, { body, tag: `lumengrid-job-${job.id}` });
    } catch {
      // Some browsers allow notifications only from a service worker: the title still says it.
    }
  }, [job, alerted, markAlerted]);
}
