// The teacher's photos stay listed while they visit other screens (to record a consent, say).
import type { Channel } from './bindings/Channel';
import type { PhotoItem } from './logic/photos';

class PhotoSession {
  items = $state<PhotoItem[]>([]);
  selected = $state(0);
  academy = $state('');
  channel = $state<Channel>('academy_social');
  poster = $state('');
}

export const session = new PhotoSession();
