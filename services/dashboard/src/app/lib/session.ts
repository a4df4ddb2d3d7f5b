import type { Role } from '@berth/contracts';

/** Who is logged in, as `/api/me` says: the role decides what the dashboard offers. */
export type Me = { id: string; username: string; role: Role };
