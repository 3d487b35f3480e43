import { routeLabel, statusClass } from './http-metrics';

describe('http metrics labels', () => {
  it.each([
    [200, '2xx'],
    [204, '2xx'],
    [304, '3xx'],
    [400, '4xx'],
    [404, '4xx'],
    [503, '5xx'],
    [0, 'other'],
  ])('puts status %i in class %s', (status, label) => {
    expect(statusClass(status)).toBe(label);
  });

  it('uses the route pattern, or one label when nothing matched', () => {
    expect(routeLabel('/v1/agencies/:code')).toBe('/v1/agencies/:code');
    expect(routeLabel(undefined)).toBe('unmatched');
    expect(routeLabel('')).toBe('unmatched');
  });
});
