// The teacher's photos stay listed while they visit other screens (to record a consent, say).
import type { Channel } from './bindings/Channel';
import type { PhotoItem } from './logic/photos';
import { facesFailed, facesFound, findingFaces, type FaceState } from './logic/faces';
import { photoFaces } from './api/photos';
import { messageOf } from './api/invoke';

class PhotoSession {
  items = $state<PhotoItem[]>([]);
  selected = $state(0);
  academy = $state('');
  channel = $state<Channel>('academy_social');
  poster = $state('');

  /** Photos waiting for face detection, one at a time (1-3 s each for 12 MP), in the order
   * their thumbnails arrived: thumbnails never wait for faces. */
  private faceQueue: string[] = [];
  private finding = false;

  findFaces(path: string) {
    this.setFaces(path, findingFaces());
    this.faceQueue.push(path);
    if (!this.finding) void this.drainFaces();
  }

  private async drainFaces() {
    this.finding = true;
    try {
      for (let path = this.faceQueue.shift(); path !== undefined; path = this.faceQueue.shift()) {
        let state: FaceState;
        try {
          state = facesFound(await photoFaces(path));
        } catch (e) {
          state = facesFailed(messageOf(e));
        }
        this.setFaces(path, state);
      }
    } finally {
      this.finding = false;
    }
  }

  private setFaces(path: string, faces: FaceState) {
    this.items = this.items.map((it) => (it.path === path ? { ...it, faces } : it));
  }
}

export const session = new PhotoSession();
